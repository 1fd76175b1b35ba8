// Fashion-MNIST's ten classes, in label order (torchvision's FashionMNIST.classes).
export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
